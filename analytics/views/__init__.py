"""The analytics pages: the tests index and test page, usage with its forecast, the case file."""
