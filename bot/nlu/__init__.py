"""Understanding what customers write: days and times, intents, services, professionals and names.

Pure code: nothing here reads the database except `catalog.load_catalog`, which the caller (and the
`flask understand` command in `cli`) uses to build the `Catalog` that `understand.understand` reads
against. Submodules are imported by name
(`from bot.nlu.understand import understand`) so that `bot.dates` can use the reader without a cycle.
"""
