// The public site's script (the pages' CSP runs no inline script): the complaint form's file check.
(function () {
  var form = document.getElementById("form-don"), input = document.getElementById("f-files"),
      out = document.getElementById("kiem-tra-tep");
  if (!form || !input || !out) return;
  var maxFile = +form.dataset.maxFile, maxTotal = +form.dataset.maxTotal, maxCount = +form.dataset.maxCount,
      accept = form.dataset.accept.split(",");
  function mb(n) { return (n / 1048576).toFixed(1).replace(".", ",") + " MB"; }
  function problem() {
    var files = input.files, total = 0;
    if (files.length > maxCount) return "Chỉ được đính kèm tối đa " + maxCount + " tệp.";
    for (var i = 0; i < files.length; i++) {
      var f = files[i], dot = f.name.lastIndexOf("."), ext = dot < 0 ? "" : f.name.slice(dot).toLowerCase();
      if (accept.indexOf(ext) < 0) return "Tệp “" + f.name + "” không được nhận: chỉ nhận PDF, ảnh và văn bản Word, Excel.";
      if (f.size > maxFile) return "Tệp “" + f.name + "” có dung lượng " + mb(f.size) + ", vượt mức tối đa " + mb(maxFile) + " cho mỗi tệp.";
      total += f.size;
    }
    if (total > maxTotal) return "Tổng dung lượng tệp " + mb(total) + " vượt mức tối đa " + mb(maxTotal) + ".";
    return "";
  }
  input.addEventListener("change", function () { out.textContent = problem(); });
  form.addEventListener("submit", function (e) {
    var p = problem();
    if (p) { e.preventDefault(); out.textContent = p; input.focus(); }
  });
  var summary = document.getElementById("loi");
  if (summary) summary.focus();
})();
