"""The workspace pages, one module per entity. Thin: parse, call one service, render or redirect."""
