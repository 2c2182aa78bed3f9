"""The order model and its rules. Imports nothing else of tsshop's."""
