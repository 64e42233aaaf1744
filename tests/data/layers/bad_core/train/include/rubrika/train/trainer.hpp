// stands for a real training header
