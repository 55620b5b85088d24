"""Rendering and release building: one assignment source in, notebooks and zips out."""
