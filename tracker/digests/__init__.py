"""The daily countdown digest: compiling, storing, rendering and sending it."""
