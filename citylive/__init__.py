"""CityLive: plan, run and account for a city's coordinated 1+N livestream-commerce festival."""

__version__ = "0.1.0"
