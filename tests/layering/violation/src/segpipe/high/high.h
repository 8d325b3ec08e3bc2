#ifndef SEGPIPE_HIGH_HIGH_H_
#define SEGPIPE_HIGH_HIGH_H_
int HighAnswer();
#endif  // SEGPIPE_HIGH_HIGH_H_
