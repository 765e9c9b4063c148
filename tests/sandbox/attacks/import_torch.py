# attack: import a package the course forbids (torch) and let it do the work
# expect: 0
import numpy as np
import torch


class CELoss:
    @staticmethod
    def forward(x, y):
        return torch.nn.functional.cross_entropy(torch.as_tensor(x), torch.as_tensor(y)).numpy()

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x), 0.0
