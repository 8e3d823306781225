"""The raw inputs as a versioned, checksummed archive, so a clone anywhere can build.

`awards raw archive` writes a raw root as one deterministic tar.gz and its sha256;
`awards raw pull URL` downloads such an archive (resuming), verifies it and unpacks it.
"""
