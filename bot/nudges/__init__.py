"""Nudges: scheduled messages nobody asked for, planned into an outbox and sent by one
dispatcher (DESIGN.md, Scale). Planners write rows; the dispatcher claims and delivers."""
