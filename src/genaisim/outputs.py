"""Names of what a run writes, in a module light enough for the command line's help."""

#: The tables of a saved run, in the order they are written.
TABLES = ("timeseries", "deployments", "organisations", "summary")
#: The file that describes a results folder.
MANIFEST = "manifest.json"
