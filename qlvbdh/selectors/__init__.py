"""QLVBĐH reads, one module per entity, limited to what the reader may see."""
