"""Reports: response-time figures (``kpi``), shift reports; Qt-free, read-only."""
