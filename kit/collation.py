"""Vietnamese alphabetical order (thứ tự chữ cái tiếng Việt) as a sort key, without ICU.

Python sorts strings by code point, which puts "Đặng" (U+0110) after "Vũ" and "Ấn" after "Yên".
`vietnamese_key` orders them as a Vietnamese dictionary and ICU's `vi` collation (CLDR) do:

1. primary, letter by letter: a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z)
   (f, j, w, z only occur in foreign names and keep their Latin places); a space sorts before any
   letter, digits before letters, anything else after them by code point;
2. secondary, only between strings equal at the first level: the tone of each letter, in the order
   ngang (none) < huyền (`) < hỏi (?) < ngã (~) < sắc (´) < nặng (.);
3. tertiary: lower case before upper case.

So `sorted(names, key=vietnamese_key)` gives "Bùi", "Đặng", "Đỗ", "Hoàng", "Vũ". The tests check the
order against ICU's `vi` collation on the same words.
"""

from __future__ import annotations

import unicodedata

# marks that make another letter of the alphabet (a -> ă, â; e -> ê; o -> ô, ơ; u -> ư)
BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"
# the five tones, in the order a dictionary lists them after the toneless syllable
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
LETTER_RANK = {letter: 100 + n for n, letter in enumerate(ALPHABET)}
QUALITY = {("a", BREVE): "ă", ("a", CIRCUMFLEX): "â", ("e", CIRCUMFLEX): "ê", ("o", CIRCUMFLEX): "ô"}
QUALITY |= {("o", HORN): "ơ", ("u", HORN): "ư"}

SortKey = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def _primary(char: str) -> int:
    """The first-level weight of one base letter (or other character)."""
    if char in LETTER_RANK:
        return LETTER_RANK[char]
    if char.isspace():
        return 1
    if char.isdigit():
        return 10 + int(unicodedata.digit(char, 0))
    return 1000 + ord(char)


def vietnamese_key(text: str | None) -> SortKey:
    """A key that sorts Vietnamese text in alphabetical order (see the module's docstring)."""
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    letter, tone, upper = "", 0, False

    def flush() -> None:
        if letter:
            primary.append(_primary(letter))
            secondary.append(tone)
            tertiary.append(1 if upper else 0)

    for char in unicodedata.normalize("NFD", " ".join((text or "").split())):
        if unicodedata.combining(char):
            if char in TONES:
                tone = TONES[char]
            elif (letter, char) in QUALITY:
                letter = QUALITY[(letter, char)]
            continue
        flush()
        letter, tone, upper = char.lower(), 0, char != char.lower()
    flush()
    return tuple(primary), tuple(secondary), tuple(tertiary)
