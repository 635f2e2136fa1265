"""Analytics by test: the tests index, each test's page (figures, charts, calibration,
collusion signals, the cohort's minute strip), the credit forecast and the case file."""
