"""Hanoi city axis (LGSP) over SOAP: WSDL contract, zeep client, SOAP server core, simulator, inbound."""
