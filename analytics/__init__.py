"""Analytics by test: the tests index, each test's page (figures, charts, calibration,
collusion signals, the cohort's minute strip), the usage page with the credit forecast
(proctoring.credit_forecast) and the case file."""
