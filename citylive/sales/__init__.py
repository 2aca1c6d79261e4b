"""Post-event sales: reading platform exports, attributing orders to sessions, figures, flags."""
