"""The dashboard app's migrations as the last release before the apps split shipped them.

tests/migrate_from_main.py migrates a new database with these (MIGRATION_MODULES) to build a
database as that release left it, then migrates it with today's migrations. Only the imports
of the role helpers differ from the originals (they moved to access.roles), and 0004 names the
roles it granted then instead of reading today's.
"""
