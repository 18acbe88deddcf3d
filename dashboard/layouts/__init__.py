"""Layouts are functions of data: they take what to show and return components."""
