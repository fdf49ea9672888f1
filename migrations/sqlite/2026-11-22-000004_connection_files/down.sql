DROP TABLE connection_files;
