int CoreAnswer() { return 1; }
