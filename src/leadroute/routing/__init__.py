"""The pure routing engine: filters, selectors, ledger protocol and `Router.route`."""
