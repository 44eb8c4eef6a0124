OPENQASM 3.0;
include "stdgates.inc";
bit[3] meas;
qubit[2] node;
qubit[1] coin;
for int _ in [0:2] {
  h coin[0];
  ccx coin[0], node[1], node[0];
  cx coin[0], node[1];
  x coin[0];
  x node[1];
  ccx coin[0], node[1], node[0];
  cx coin[0], node[1];
  x node[1];
  x coin[0];
}
barrier node[0], node[1], coin[0];
meas[0] = measure node[0];
meas[1] = measure node[1];
meas[2] = measure coin[0];
