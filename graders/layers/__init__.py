"""Hidden graders for the layers assignment (Linear and ReLU), with their seeded inputs and bug diagnosis."""
