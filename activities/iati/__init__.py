"""IATI 2.03: the published activities as an IATI file, validated before it is served.

- mapping.py: how records become IATI codes (statuses, dates, sectors, organisation
  types, recipient percentages that sum to 100), each choice stated once.
- records.py: what the export reads, in chunks, with a fixed number of queries each.
- build.py: the XML, written as a stream with lxml.etree.xmlfile (projects as parent
  activities with their money and results, deliveries as their children).
- rules.py: the standard's rules the XSD cannot state, and the codelists.
- validate.py: the official XSD and the rules, checked while the file is read as a stream.
- feed.py: the validated file kept by data version and filters, regenerated when the data
  version moves; an invalid file is never kept nor served.
"""
