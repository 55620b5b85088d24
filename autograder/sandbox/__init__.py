"""Local grading's sandbox (never shipped to Gradescope): ``bubblewrap`` finds and drives
bubblewrap, as root or in an unprivileged user namespace; ``warm`` keeps one sandboxed zygote
(``zygote``) that forks a fresh, isolated kernel per submission."""
