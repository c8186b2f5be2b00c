"""Lead scoring: points for field conditions."""
