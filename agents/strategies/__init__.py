"""Decision modules of the agents (issue 12): pure, vectorised functions a fleet calls once per decision window
with published signals (day-ahead forecasts) and its members' own state. See docs/strategies.md."""
