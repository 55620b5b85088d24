import nbformat


class Validate:
    """Fail the build on a notebook that Jupyter would refuse."""

    def __call__(self, nb, resources):
        nbformat.validate(nb)
        return nb
