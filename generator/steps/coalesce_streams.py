from nbconvert.preprocessors import CoalesceStreamsPreprocessor


class CoalesceStreams:
    """One output per run of prints: the kernel sends stdout in pieces as it flushes, and where it
    cuts depends on timing (a loaded machine once split a cell's prints in two), so an executed
    notebook merges consecutive stream outputs to be the same every build. nbconvert's
    preprocessor does the merging."""

    def __call__(self, nb, resources):
        nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
        return nb
