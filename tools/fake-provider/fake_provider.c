/* placeholder: replaced by the fake provider */
int main(void) { return 0; }
