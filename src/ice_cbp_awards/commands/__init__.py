"""Commands that span layers (build, then release or serve): the top of the package."""
