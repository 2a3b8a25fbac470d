"""The playground: the TensorFlow Playground's features and more, trained live by flambeau.

``flambeau playground`` (or :func:`flambeau.playground.server.main`) serves a local web page; each
browser tab gets one training session over a WebSocket (docs/playground-protocol.md).

- :mod:`.config`: the configuration (the playground's URL parameters plus flambeau's extensions);
- :mod:`.data`: the data sets (2, 3 or 4 classes, from :mod:`flambeau.datasets.generators`),
  features, custom points;
- :mod:`.network`: the network (``flambeau.nn``), the playground's training rule, the losses;
- :mod:`.frame`: what the page draws of the network (heatmap, thumbnails, weights, gradients);
- :mod:`.session`: one session's state: configuration changes, play / step / reset, custom
  points, weights and configuration files, the frames;
- :mod:`.export`: the experiment as a runnable script for flambeau or PyTorch;
- :mod:`.server`: the Starlette app and ``main()`` (needs ``pip install 'flambeau[playground]'``).

Importing this package imports neither Starlette nor uvicorn: only :mod:`.server` does.
"""
