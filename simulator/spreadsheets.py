"""The spreadsheet drops under the name other parts import (`simulator.spreadsheets.write_drops`)."""
from simulator.drops import write_drops

__all__ = ["write_drops"]
