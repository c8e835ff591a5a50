// The part of Open MPI's C interface eqprop uses, declared here so that building eqprop needs
// neither mpi.h nor libmpi: the library is opened at run time with dlopen (MessagePassing's
// MPILibrary), and only a process started by mpirun ever loads it.
//
// These declarations follow Open MPI's ABI (mpi.h of Open MPI 4.x, libmpi.so.40, as Debian's
// libopenmpi-dev ships it): the handles are pointers to opaque structs, counts and ranks are
// `int`. In Open MPI the predefined handles are macros over global objects
// (`#define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)`, that is
// `&ompi_mpi_comm_world`), so they are found with dlsym under the names below and their
// addresses are the handles. MPICH and its derivatives use another ABI (integer handles) and
// are not supported.
#ifndef EQPROP_CMPI_SHIM_H
#define EQPROP_CMPI_SHIM_H

typedef struct ompi_communicator_t *MPI_Comm;
typedef struct ompi_datatype_t *MPI_Datatype;
typedef struct ompi_op_t *MPI_Op;

/// MPI_SUCCESS in every MPI implementation.
#define EQPROP_MPI_SUCCESS 0
/// MPI_MAX_ERROR_STRING of Open MPI 4 (OPAL_MAX_ERROR_STRING).
#define EQPROP_MPI_MAX_ERROR_STRING 256

/// Open MPI's thread levels (an enum in mpi.h, in this order).
enum {
    EQPROP_MPI_THREAD_SINGLE = 0,
    EQPROP_MPI_THREAD_FUNNELED = 1,
    EQPROP_MPI_THREAD_SERIALIZED = 2,
    EQPROP_MPI_THREAD_MULTIPLE = 3
};

// The functions, as pointer types for dlsym.
typedef int (*eqprop_MPI_Init_thread)(int *argc, char ***argv, int required, int *provided);
typedef int (*eqprop_MPI_Initialized)(int *flag);
typedef int (*eqprop_MPI_Finalized)(int *flag);
typedef int (*eqprop_MPI_Finalize)(void);
typedef int (*eqprop_MPI_Comm_rank)(MPI_Comm comm, int *rank);
typedef int (*eqprop_MPI_Comm_size)(MPI_Comm comm, int *size);
typedef int (*eqprop_MPI_Allgather)(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                    void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm);
typedef int (*eqprop_MPI_Allgatherv)(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                     void *recvbuf, const int recvcounts[], const int displs[],
                                     MPI_Datatype recvtype, MPI_Comm comm);
typedef int (*eqprop_MPI_Allreduce)(const void *sendbuf, void *recvbuf, int count,
                                    MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
typedef int (*eqprop_MPI_Bcast)(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
typedef int (*eqprop_MPI_Barrier)(MPI_Comm comm);
typedef int (*eqprop_MPI_Abort)(MPI_Comm comm, int errorcode);
typedef int (*eqprop_MPI_Error_string)(int errorcode, char *string, int *resultlen);

#endif
