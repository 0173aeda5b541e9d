"""What the command line does with the engine: training runs, data-set setup, checkpoints,
reports, plots and the step benchmark. The engine itself (tensors, ops, kernels, layers,
optimizers, data) never imports from here.

    from tinysnn.app.train import TrainConfig, train
    metrics = train(TrainConfig(attention="TCSA", epochs=10, out="runs/tcsa"))
"""
