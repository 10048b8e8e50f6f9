"""dropnorm: dropout and batch normalization, layers with the CS231n interface and a deep MLP."""
