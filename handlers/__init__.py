"""Internal modules of the e-office: documents, tasks, meetings, ... each on the bus."""
