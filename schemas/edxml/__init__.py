"""edXML codec (QCVN 102:2016): models, parser, builder, streaming and XML-DSig."""
