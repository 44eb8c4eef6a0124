OPENQASM 3.0;
include "stdgates.inc";
bit[8] meas;
qubit[8] q;
rz(pi/2) q[7];
sx q[7];
rz(pi/2) q[7];
meas[0] = measure q[7];
if (meas[0]) {
  rz(pi/2) q[6];
}
if (meas[0]) {
  rz(pi/4) q[5];
}
if (meas[0]) {
  rz(pi/8) q[4];
}
if (meas[0]) {
  rz(pi/16) q[3];
}
if (meas[0]) {
  rz(pi/32) q[2];
}
if (meas[0]) {
  rz(pi/64) q[1];
}
if (meas[0]) {
  rz(0.02454369260617026) q[0];
}
rz(pi/2) q[6];
sx q[6];
rz(pi/2) q[6];
meas[1] = measure q[6];
if (meas[1]) {
  rz(pi/2) q[5];
}
if (meas[1]) {
  rz(pi/4) q[4];
}
if (meas[1]) {
  rz(pi/8) q[3];
}
if (meas[1]) {
  rz(pi/16) q[2];
}
if (meas[1]) {
  rz(pi/32) q[1];
}
if (meas[1]) {
  rz(pi/64) q[0];
}
rz(pi/2) q[5];
sx q[5];
rz(pi/2) q[5];
meas[2] = measure q[5];
if (meas[2]) {
  rz(pi/2) q[4];
}
if (meas[2]) {
  rz(pi/4) q[3];
}
if (meas[2]) {
  rz(pi/8) q[2];
}
if (meas[2]) {
  rz(pi/16) q[1];
}
if (meas[2]) {
  rz(pi/32) q[0];
}
rz(pi/2) q[4];
sx q[4];
rz(pi/2) q[4];
meas[3] = measure q[4];
if (meas[3]) {
  rz(pi/2) q[3];
}
if (meas[3]) {
  rz(pi/4) q[2];
}
if (meas[3]) {
  rz(pi/8) q[1];
}
if (meas[3]) {
  rz(pi/16) q[0];
}
rz(pi/2) q[3];
sx q[3];
rz(pi/2) q[3];
meas[4] = measure q[3];
if (meas[4]) {
  rz(pi/2) q[2];
}
if (meas[4]) {
  rz(pi/4) q[1];
}
if (meas[4]) {
  rz(pi/8) q[0];
}
rz(pi/2) q[2];
sx q[2];
rz(pi/2) q[2];
meas[5] = measure q[2];
if (meas[5]) {
  rz(pi/2) q[1];
}
if (meas[5]) {
  rz(pi/4) q[0];
}
rz(pi/2) q[1];
sx q[1];
rz(pi/2) q[1];
meas[6] = measure q[1];
if (meas[6]) {
  rz(pi/2) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
meas[7] = measure q[0];
