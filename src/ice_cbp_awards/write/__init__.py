"""Writers: published frames to CSV and the built descriptor."""
