"""What the till prints and exports: report text, receipts as documents, the accounting export."""
