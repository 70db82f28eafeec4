"""PyTorch reference for `trainer device-check`: one epoch of the fold-in network's fine-tuning
(Mult-DAE loss) on the same shapes as the trainer's, on the same card.

The network is the trainer's `FoldIn` as the factorised EASE start leaves it: picks (rows of a
multi-hot matrix scaled to unit length, input dropout) times input embeddings, one linear tower
layer, output embeddings with a bias, log-softmax over the catalogue; Adam with weight decay.
Each batch is built on the CPU from the users' pick lists and copied to the device, as the trainer
does. Prints the setting on one line, then `epoch seconds S` (the median of the timed epochs).
"""

import argparse
import statistics
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--rank", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--picks", type=float, required=True, help="mean liked movies per user")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs, after one warm-up")
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    generator = torch.Generator().manual_seed(7)
    counts = torch.poisson(torch.full((args.users,), args.picks), generator=generator).clamp(min=1)
    rows = [torch.randperm(args.items, generator=generator)[: int(c)] for c in counts]

    input_embeddings = torch.nn.Parameter(torch.randn(args.items, args.rank, device=device) / args.rank**0.5)
    tower = torch.nn.Linear(args.rank, args.rank).to(device)
    output = torch.nn.Linear(args.rank, args.items).to(device)
    params = [input_embeddings, *tower.parameters(), *output.parameters()]
    optimiser = torch.optim.Adam(params, lr=args.lr, weight_decay=args.l2)
    dropout = torch.nn.Dropout(0.5)

    def batch(users):
        picks = torch.zeros(len(users), args.items)
        for r, u in enumerate(users):
            picks[r, rows[u]] = 1.0
        normalised = picks / picks.sum(1, keepdim=True).sqrt().clamp(min=1.0)
        return normalised.to(device), picks.to(device)

    def epoch():
        order = torch.randperm(args.users, generator=generator).tolist()
        for start in range(0, args.users, args.batch):
            normalised, targets = batch(order[start : start + args.batch])
            logits = output(tower(dropout(normalised) @ input_embeddings))
            loss = -(torch.log_softmax(logits, 1) * targets).sum(1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    epoch()  # warm-up: kernels, allocator
    seconds = []
    for _ in range(args.epochs):
        started = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - started)
    name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
    print(f"PyTorch {torch.__version__} on {name}: {args.users} users, {args.items} movies, rank {args.rank}, batch {args.batch}")
    print(f"epoch seconds {statistics.median(seconds):.4f}")


if __name__ == "__main__":
    main()
