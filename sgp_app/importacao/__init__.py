"""Bringing a shop's data in from the system it runs today (api-sgp): ``api_sgp`` maps its fields."""
