"""Exchange with partners: public warnings (CAP 1.2) and incident exports."""
