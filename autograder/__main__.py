from . import single_threaded_blas

single_threaded_blas()

from .cli import main  # noqa: E402 - after the BLAS setting, which must precede numpy

raise SystemExit(main())
