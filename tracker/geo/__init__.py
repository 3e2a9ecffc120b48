"""Administrative units: province → commune/ward → village (thôn, buôn, tổ dân phố)."""
