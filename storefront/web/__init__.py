"""Blueprints: parse the request, check access, call one service, render or redirect."""
