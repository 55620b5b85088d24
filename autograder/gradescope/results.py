"""The judge's verdict as otter's own result objects, so otter writes Gradescope's results."""

from otter.test_files.abstract_test import TestCase, TestCaseResult, TestFile


class JudgedTestFile(TestFile):
    """One graded question, judged outside the student's kernel.

    Its cases carry the judge's results; it is never read from a file or run in a kernel.
    Its summary is the judge's feedback: with ``public_only``, hidden cases show no detail.
    """

    @classmethod
    def from_question(cls, result):
        per_case = result.points / len(result.cases) if result.cases else result.points
        cases = [TestCase(name=f"{result.name} case {i}", body=None, hidden=c.hidden, points=per_case,
                          success_message=None, failure_message=None) for i, c in enumerate(result.cases, 1)]
        test_file = cls(result.name, result.name, cases, all_or_nothing=False)
        test_file.result = result
        test_file.test_case_results = [TestCaseResult(tc, None if c.passed else c.message, c.passed)
                                       for tc, c in zip(cases, result.cases)]
        if not cases:  # nothing could be run: the question's own zero, with its reason
            test_file.test_cases = [TestCase(result.name, None, False, result.points, None, None)]
            test_file.test_case_results = [TestCaseResult(test_file.test_cases[0], result.problem, False)]
        return test_file

    def summary(self, public_only=False):
        return self.result.feedback_markdown(show_hidden=not public_only)

    @classmethod
    def from_file(cls, path):
        raise TypeError("a JudgedTestFile comes from the judge's verdict, not from a file")

    @classmethod
    def from_metadata(cls, s, path):
        raise TypeError("a JudgedTestFile comes from the judge's verdict, not from notebook metadata")

    def run(self, global_environment):
        raise TypeError("a JudgedTestFile is judged outside the kernel; it is never run in one")
