"""Domain: reference data, the unit status machine, validation and plain result types."""
