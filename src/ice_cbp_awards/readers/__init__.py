"""Readers, one per raw format. Each verifies checksums and headers, then maps raw columns to
the package's canonical names, leaving every value a string as read: parsing is the
transforms' job, so that a value that fails to parse can be quarantined with its raw form."""
