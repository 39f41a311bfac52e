"""Driftsstatus: the monthly operations status report, computed from raw logs."""
