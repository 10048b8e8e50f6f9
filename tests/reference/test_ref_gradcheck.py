"""Reference gradient checking: accuracy order, restoring x, rel_error, sparse checks."""
import numpy as np
import pytest

from gradlab import gradcheck
from numdiff import gradient, readonly, same_bits


def smooth(x):
    return float(np.sum(np.exp(x) + np.sin(3 * x)))


def smooth_grad(x):
    return np.exp(x) + 3 * np.cos(3 * x)


def awkward_x():
    """Values whose bits would not survive x + h - h: the restore must be exact."""
    return np.array([[0.1, 1 / 3, -2.7], [1e-300, 12345.678901, np.pi]])


@pytest.mark.parametrize("method, order", [("centered", 2), ("forward", 1)])
def test_error_order(method, order):
    x = np.linspace(-1.0, 1.0, 6)
    errors = [np.max(np.abs(gradcheck.numerical_gradient(smooth, x, h=h, method=method) - smooth_grad(x)))
              for h in (1e-2, 1e-3)]
    # Dividing h by 10 divides the error by about 10**order.
    assert 10 ** order / 2 < errors[0] / errors[1] < 10 ** order * 2


def test_centered_is_default_and_matches_own_differences():
    x = np.random.default_rng(0).normal(size=(3, 4))
    grad = gradcheck.numerical_gradient(smooth, x)
    assert grad.shape == (3, 4)
    assert np.allclose(grad, gradient(smooth, x), rtol=1e-9, atol=1e-12)
    assert np.allclose(grad, smooth_grad(x), rtol=1e-8)
    assert np.array_equal(grad, gradcheck.numerical_gradient(smooth, x, method="centered"))


def test_forward_method_is_the_lecture_formula():
    calls = []

    def f(x):
        calls.append(x.copy())
        return float(np.sum(x ** 2))
    grad = gradcheck.numerical_gradient(f, np.array([1.0, -2.0]), h=0.5, method="forward")
    # (f(x + h e_i) - f(x)) / h = 2 x_i + h exactly for a square.
    assert np.array_equal(grad, np.array([2.5, -3.5]))
    assert len(calls) == 3


@pytest.mark.parametrize("method", ["centered", "forward"])
def test_x_restored_bitwise(method):
    x = awkward_x()
    original = x.copy()
    gradcheck.numerical_gradient(lambda z: float(np.sum(np.sin(z))), x, h=1e-3, method=method)
    assert same_bits(x, original)


def raises_on_call(n):
    """A function of an array that raises on its n-th call."""
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == n:
            raise RuntimeError("boom")
        return float(np.sum(x))
    return f


@pytest.mark.parametrize("check", [
    lambda f, x: gradcheck.numerical_gradient(f, x, h=1e-3),
    lambda f, x: gradcheck.numerical_gradient(f, x, h=1e-3, method="forward"),
    lambda f, x: gradcheck.numerical_gradient_array(lambda z: np.atleast_1d(f(z)), x, np.ones(1), h=1e-3),
    lambda f, x: gradcheck.grad_check_sparse(f, x, np.ones(x.shape), num_checks=5, h=1e-3),
], ids=["centered", "forward", "array", "sparse"])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_x_restored_bitwise_when_f_raises(check, n):
    x = awkward_x()
    original = x.copy()
    with pytest.raises(RuntimeError, match="boom"):
        check(raises_on_call(n), x)
    assert same_bits(x, original)


def test_numerical_gradient_array_of_elementwise_square():
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    original = x.copy()
    grad = gradcheck.numerical_gradient_array(lambda z: z ** 2, x, dout)
    assert np.allclose(grad, 2 * x * dout, rtol=1e-8)
    assert same_bits(x, original)


def test_numerical_gradient_array_when_f_returns_a_view_of_x():
    rng = np.random.default_rng(2)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(2, 3))
    grad = gradcheck.numerical_gradient_array(lambda z: z[:2], x, dout)
    assert np.allclose(grad, np.concatenate([dout, np.zeros((2, 3))]), rtol=1e-8, atol=1e-10)


def test_numerical_gradient_array_matches_own_differences():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(3, 4))
    x, dout = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))

    def f(z):
        return np.tanh(z @ W)
    assert np.allclose(gradcheck.numerical_gradient_array(f, x, dout),
                       gradient(lambda z: float(np.sum(f(z) * dout)), x), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("a, b, expected", [
    ([1.0, 2.0], [1.1, 2.0], 0.1 / 2.1),
    ([1.0, -1.0], [-1.0, -1.0], 1.0),
    (3.0, 3.0, 0.0),
    (0.0, 0.0, 0.0),
    (1e-10, 0.0, 1e-10 / 1e-8),
    ([[2.0, 0.0]], [[1.0, 3e-9]], max(1.0 / 3.0, 3e-9 / 1e-8)),
])
def test_rel_error_formula(a, b, expected):
    error = gradcheck.rel_error(np.asarray(a), np.asarray(b))
    assert isinstance(error, float) and error == pytest.approx(expected, rel=1e-12)


def sparse_case():
    """A quadratic f with an analytic gradient that is off by a different factor per entry."""
    x = np.random.default_rng(4).uniform(1.0, 2.0, size=(6, 5))
    wrong = 2 * x * (1 + np.arange(30).reshape(6, 5) / 100)
    return (lambda z: float(np.sum(z ** 2))), x, wrong


def test_grad_check_sparse_shape_and_correct_gradient():
    f, x, _ = sparse_case()
    errors = gradcheck.grad_check_sparse(f, x, 2 * x, num_checks=7)
    assert errors.shape == (7,) and np.all(errors < 1e-8)


def test_grad_check_sparse_deterministic_per_seed():
    f, x, wrong = sparse_case()
    first = gradcheck.grad_check_sparse(f, x, wrong, num_checks=8, seed=3)
    assert np.array_equal(first, gradcheck.grad_check_sparse(f, x, wrong, num_checks=8, seed=3))
    assert not np.array_equal(first, gradcheck.grad_check_sparse(f, x, wrong, num_checks=8, seed=4))
    # Each entry has its own error: the relative errors say which entries were drawn.
    possible = np.abs(np.arange(30) / 100) / (2 + np.arange(30) / 100)
    drawn = np.isclose(first[:, None], possible[None], rtol=0, atol=1e-7)
    assert drawn.any(axis=1).all() and len(set(np.argmax(drawn, axis=1))) > 1


def test_grad_check_sparse_uses_its_own_generator():
    f, x, wrong = sparse_case()
    state = np.random.get_state()
    gradcheck.grad_check_sparse(f, x, wrong, num_checks=8, seed=0)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_grad_check_sparse_never_nan():
    x = np.zeros((3, 3))
    errors = gradcheck.grad_check_sparse(lambda z: 0.0, x, np.zeros((3, 3)), num_checks=4)
    assert errors.shape == (4,) and np.array_equal(errors, np.zeros(4))


def test_grad_check_sparse_does_not_modify_gradient():
    f, x, wrong = sparse_case()
    gradcheck.grad_check_sparse(f, x, readonly(wrong), num_checks=5)
